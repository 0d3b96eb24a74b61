Console.WriteLine("ortagent");
